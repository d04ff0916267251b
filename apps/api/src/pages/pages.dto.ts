import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '../common/paging.dto.js';

const ITEM_STATES = ['pending', 'ok', 'failed', 'skipped'] as const;
type ItemState = (typeof ITEM_STATES)[number];

export class PageListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ITEM_STATES, description: 'Only pages whose fetch ended so.' })
  @IsOptional()
  @IsIn(ITEM_STATES)
  fetch?: ItemState;

  @ApiPropertyOptional({
    enum: ITEM_STATES,
    description: 'Only pages whose extraction ended so (`skipped` includes low_quality_extraction).',
  })
  @IsOptional()
  @IsIn(ITEM_STATES)
  refine?: ItemState;
}

export class PageExtractionDto {
  @ApiProperty({
    description: 'Extraction quality, 0..1; under processing.min_extraction_quality the page is skipped.',
  })
  score!: number;
  @ApiProperty({ description: 'Which candidate the text came from: readability, container, body or none.' })
  method!: string;
  @ApiProperty() words!: number;
  @ApiProperty({ description: "Share of the body's text inside links." }) linkDensity!: number;
  @ApiProperty({ description: "Share of the chosen text's lines the boilerplate filters dropped." })
  boilerplateShare!: number;
  @ApiProperty({ description: 'How much the two candidates agree on the amount of text, 0..1.' }) agreement!: number;
  @ApiProperty({ description: 'The page reads as an error, login or bot-check page.' }) errorPage!: boolean;
}

export class PageResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The URL after redirects.' }) finalUrl!: string | null;
  @ApiProperty({ type: String, nullable: true }) title!: string | null;
  @ApiProperty({ enum: ITEM_STATES, enumName: 'ItemState' }) fetchStatus!: string;
  @ApiProperty({ type: Number, nullable: true }) httpStatus!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'http or browser.' }) fetchMethod!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why the fetch failed or was skipped.' })
  fetchError!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) fetchedAt!: string | null;
  @ApiProperty({ enum: ITEM_STATES, enumName: 'ItemState' }) refineStatus!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Why extraction failed or skipped the page.' })
  refineError!: string | null;
  @ApiProperty({ type: String, nullable: true }) language!: string | null;
  @ApiProperty({ type: PageExtractionDto, nullable: true, description: "The refiner's verdict on the extraction." })
  extraction!: PageExtractionDto | null;
  @ApiProperty({ description: 'Chunks stored from this page (originals and duplicates).' }) chunks!: number;
}

export class PagePageResponseDto extends PageMetaDto {
  @ApiProperty({ type: [PageResponseDto] }) items!: PageResponseDto[];
}
