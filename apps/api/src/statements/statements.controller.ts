import { Controller, Get, Headers, Param, Query, StreamableFile, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { AccessLogged } from '../access-log/access-logged.decorator.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentClient, type AuthenticatedClient } from '../auth/authenticated-client.js';
import { subjectOfScope } from '../data/data-scope.js';
import { dataRead, withSubject } from '../data/read-subject.js';
import { UuidParamPipe } from '../infra/uuid-param.pipe.js';
import { prefersCsv, statementCsv } from './statement-csv.js';
import { StatementQueryDto, StatementResponse } from './statement.dto.js';
import { StatementsService } from './statements.service.js';
import { toStatementResponse } from './to-statement-response.js';

/** The CSV body, carrying how many transactions it discloses (for the access log). */
export class StatementCsvFile extends StreamableFile {
  constructor(
    stream: Readable,
    filename: string,
    readonly recordCount: number,
  ) {
    super(stream, { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="${filename}"` });
  }
}

@ApiTags('statements')
@ApiBearerAuth('client')
@UseGuards(ApiKeyGuard)
@Controller('v1/accounts')
export class StatementsController {
  constructor(private readonly statements: StatementsService) {}

  @Get(':id/statement')
  @ApiProduces('application/json', 'text/csv')
  @ApiHeader({ name: 'Accept', required: false, description: '`text/csv` for the CSV form, JSON otherwise.' })
  @ApiOkResponse({
    type: StatementResponse,
    description:
      "JSON, or with `Accept: text/csv` a CSV (RFC 4180, CRLF) of the period's booked transactions oldest first, columns " +
      '`date,transaction_id,provider_transaction_id,type,description,counterparty,amount,currency,balance_after`, followed by ' +
      'one row per total (`opening_balance`, `total_credits`, `total_debits`, `closing_balance`, `transaction_count`) with the ' +
      'label in `date` and the figure in `amount`. Text cells starting with = + - @ tab or CR are prefixed with a quote.',
  })
  @AccessLogged(
    dataRead<StatementResponse | StatementCsvFile>('statements', (b) =>
      b instanceof StatementCsvFile ? b.recordCount : 1,
    ),
  )
  async get(
    @CurrentClient() client: AuthenticatedClient,
    @Param('id', new UuidParamPipe('Account')) id: string,
    @Query() q: StatementQueryDto,
    @Headers('accept') accept: string | undefined,
  ): Promise<StatementResponse | StatementCsvFile> {
    const statement = await this.statements.statement(client, id, q);
    const body = toStatementResponse(statement);
    const subject = subjectOfScope(statement.account);
    if (!prefersCsv(accept)) return withSubject(body, subject);
    const csv = Readable.from(statementCsv(body, this.statements.lines(statement)), { objectMode: false });
    const filename = `statement-${id}-${q.from_date}-${q.to_date}.csv`;
    return withSubject(new StatementCsvFile(csv, filename, body.transaction_count), subject);
  }
}
