import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import { HisobError } from '#common/http/problem.js';
import { isApiDate } from '../infra/edge-values.js';

/**
 * A real calendar date `YYYY-MM-DD` in years 0001-9999 (`2026-02-30` is refused, not rolled over
 * to March; `0000-01-01` is refused, not left for PostgreSQL to reject).
 */
export const IsIsoDate = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isIsoDate',
      validator: {
        validate: (value: unknown) => isApiDate(value),
        defaultMessage: (args) => `${args?.property} must be a real date YYYY-MM-DD (years 0001-9999)`,
      },
    },
    options,
  );

/** `limit` + opaque `cursor` (api.md "Lists"). */
export class PageQueryDto {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from next_cursor.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

/** Inclusive booking-date bounds; `from_date > to_date` is a validation error on `from_date`. */
export function checkDateRange(from: string | undefined, to: string | undefined): void {
  // ISO dates compare correctly as strings.
  if (from && to && from > to) {
    throw HisobError.validation([{ field: 'from_date', message: 'from_date must not be after to_date' }]);
  }
}

export const DEFAULT_LIMIT = 50;
