import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { SettingsResponseDto, UpdateSettingsRequestDto } from './settings.dto.js';
import { SettingsService } from './settings.service.js';

@ApiTags('settings')
@Controller('api/settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @ApiOperation({ summary: 'Settings: which API keys are set (never the keys) and the default job config' })
  @ApiOkResponse({ type: SettingsResponseDto })
  get(): Promise<SettingsResponseDto> {
    return this.settings.get();
  }

  @Put()
  @ApiOperation({
    summary: 'Change settings (the fields given)',
    description:
      'API keys are write-only and stored encrypted (AES-256-GCM); `null` removes one. ' +
      '`defaultJobConfig` replaces the stored default and is checked like a job config.',
  })
  @ApiOkResponse({ type: SettingsResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A bad field; one message per problem.' })
  update(@Body() body: UpdateSettingsRequestDto): Promise<SettingsResponseDto> {
    return this.settings.update(body);
  }
}
