import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { HisobError, type FieldError } from './problem.js';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** class-validator with unknown fields refused, rendered as `validation_failed` + `errors[]`. */
export const hisobValidationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => HisobError.validation(flatten(errors)),
  });
