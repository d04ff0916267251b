import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';

import {
  CONFIG_PANELS,
  type ConfigField,
  type ConfigValue,
  type ConfigValues,
  fieldId,
} from '../../core/job-config/job-config';

export interface ConfigChange {
  readonly field: ConfigField;
  readonly value: ConfigValue;
}

/** The job config as an accordion, one panel per stage, each field with its default (new job, settings). */
@Component({
  selector: 'app-job-config-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './job-config-form.html',
  styleUrl: './job-config-form.css',
})
export class JobConfigForm {
  readonly values = input.required<ConfigValues>();
  /** Prefix of the field ids, so two forms could share a page. */
  readonly idPrefix = input('cfg');
  /** The install's template names (GET /api/templates); until they arrive, the built-in ones. */
  readonly templateOptions = input<readonly string[] | null>(null);
  readonly valueChange = output<ConfigChange>();

  protected readonly panels = CONFIG_PANELS;

  protected fieldId(field: ConfigField): string {
    return `${this.idPrefix()}-${fieldId(field).replace('.', '-')}`;
  }

  protected optionsOf(field: ConfigField): readonly string[] {
    const names = this.templateOptions();
    if (field.section === 'generation' && field.key === 'template' && names?.length) {
      return [...names.filter((n) => n !== 'none'), 'none'];
    }
    return 'options' in field ? field.options : [];
  }

  protected valueOf(field: ConfigField): ConfigValue {
    return this.values()[fieldId(field)] ?? field.default;
  }

  protected isChecked(field: ConfigField, option: string): boolean {
    const value = this.valueOf(field);
    return Array.isArray(value) && value.includes(option);
  }

  protected emit(field: ConfigField, value: ConfigValue): void {
    this.valueChange.emit({ field, value });
  }

  protected setNumber(field: ConfigField, raw: string): void {
    this.emit(field, raw.trim() === '' ? Number.NaN : Number(raw));
  }

  protected toggle(field: ConfigField, option: string, on: boolean): void {
    const current = this.valueOf(field);
    const list = Array.isArray(current) ? current : [];
    this.emit(field, on ? [...list.filter((v) => v !== option), option] : list.filter((v) => v !== option));
  }
}
