import { Injectable, type PipeTransform } from '@nestjs/common';
import { HisobError } from '#common/http/problem.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id that is not a UUID cannot name anything: 404, like an id of another client. */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, string> {
  constructor(private readonly what = 'Resource') {}
  transform(value: string): string {
    if (!UUID.test(value)) throw HisobError.notFound(this.what);
    return value.toLowerCase();
  }
}
