import { ValidateIf } from 'class-validator';

/**
 * The field may be left out, but not sent as null: unlike class-validator's @IsOptional(), which skips
 * validation for null too and so let `{"name": null}` reach the database (a 500). For fields where null
 * means something (a description cleared), use @IsOptional().
 */
export const IsOptionalNotNull = () => ValidateIf((_object: unknown, value: unknown) => value !== undefined);
