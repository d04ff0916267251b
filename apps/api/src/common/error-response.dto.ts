import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The one error shape every endpoint answers with. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request', description: 'The HTTP reason phrase.' })
  error!: string;

  @ApiProperty({ example: 'name must be a string', description: 'One sentence saying what was wrong.' })
  message!: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['name should not be empty', 'property color should not exist'],
    description: 'Every problem found, one per bad field.',
  })
  details?: string[];

  @ApiProperty({ example: '/api/projects' })
  path!: string;

  @ApiProperty({ example: '6f1c1d2e-...' })
  requestId!: string;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  timestamp!: string;
}
