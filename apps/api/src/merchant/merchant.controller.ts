import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AccessLogged } from '../access-log/access-logged.decorator.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentClient, type AuthenticatedClient } from '../auth/authenticated-client.js';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor.js';
import { MerchantPaymentsService } from './merchant-payments.service.js';
import {
  CustomerDto,
  CustomerImportDto,
  CustomerImportResponse,
  CustomerResponse,
  MerchantSetupDto,
  MerchantSetupResponse,
  PaymentListResponse,
  PaymentsQueryDto,
  ReconciliationQueryDto,
  ReconciliationResponse,
} from './merchant.dto.js';
import { MerchantService } from './merchant.service.js';

/** The merchant side of bePaid payments, for the client that is the merchant (docs/providers/bepaid.md). */
@ApiTags('merchant')
@ApiBearerAuth('client')
@UseGuards(ApiKeyGuard)
@Controller('v1/merchant')
export class MerchantController {
  constructor(
    private readonly merchant: MerchantService,
    private readonly payments: MerchantPaymentsService,
  ) {}

  @Put('bepaid')
  @ApiOkResponse({ type: MerchantSetupResponse })
  setUp(
    @CurrentClient() client: AuthenticatedClient,
    @Body() dto: MerchantSetupDto,
  ): Promise<MerchantSetupResponse> {
    return this.merchant.setUp(client, dto);
  }

  @Get('bepaid')
  @ApiOkResponse({ type: MerchantSetupResponse })
  @AccessLogged({ resource: 'merchant_settings', count: () => 1 })
  setup(@CurrentClient() client: AuthenticatedClient): Promise<MerchantSetupResponse> {
    return this.merchant.setup(client);
  }

  @Put('customers/:account')
  @ApiOkResponse({ type: CustomerResponse, description: '201 when the customer is new, 200 when replaced' })
  async putCustomer(
    @CurrentClient() client: AuthenticatedClient,
    @Param('account') account: string,
    @Body() dto: CustomerDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CustomerResponse> {
    const r = await this.merchant.putCustomer(client, account, dto);
    void reply.status(r.created ? 201 : 200);
    return r.customer;
  }

  @Get('customers/:account')
  @ApiOkResponse({ type: CustomerResponse })
  @AccessLogged({ resource: 'merchant_customers', count: () => 1 })
  customer(
    @CurrentClient() client: AuthenticatedClient,
    @Param('account') account: string,
  ): Promise<CustomerResponse> {
    return this.merchant.customer(client, account);
  }

  @Post('customers/import')
  @HttpCode(200)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Replays the first answer to a retried import.',
  })
  @ApiConsumes('application/json', 'text/csv')
  @ApiBody({
    type: CustomerImportDto,
    description:
      'JSON {customers:[…]}, or text/csv with the header line account,status,min_amount,max_amount',
  })
  @ApiOkResponse({ type: CustomerImportResponse })
  importCustomers(
    @CurrentClient() client: AuthenticatedClient,
    @Body() dto: CustomerImportDto,
  ): Promise<CustomerImportResponse> {
    return this.merchant.importCustomers(client, dto.customers);
  }

  @Get('payments')
  @ApiOkResponse({ type: PaymentListResponse })
  @AccessLogged<PaymentListResponse>({ resource: 'merchant_payments', count: (b) => b.payments.length })
  list(
    @CurrentClient() client: AuthenticatedClient,
    @Query() q: PaymentsQueryDto,
  ): Promise<PaymentListResponse> {
    return this.payments.list(client, q);
  }

  @Get('reconciliation')
  @ApiOkResponse({ type: ReconciliationResponse })
  @AccessLogged<ReconciliationResponse>({ resource: 'merchant_reconciliation', count: (b) => b.days.length })
  summary(
    @CurrentClient() client: AuthenticatedClient,
    @Query() q: ReconciliationQueryDto,
  ): Promise<ReconciliationResponse> {
    return this.payments.summary(client, q);
  }
}
