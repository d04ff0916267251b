import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiErrors, ApiTokenRequired } from '../common/api-responses.js';
import { SettingsResponseDto, UpdateSettingsRequestDto } from './settings.dto.js';
import { SettingsService } from './settings.service.js';

@ApiTags('settings')
@ApiTokenRequired()
@ApiErrors(429)
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
  @ApiError(400, 'A bad field; one message per problem.')
  @ApiErrors(413)
  update(@Body() body: UpdateSettingsRequestDto): Promise<SettingsResponseDto> {
    return this.settings.update(body);
  }
}
