import { Module } from '@nestjs/common';
import { AccountQueryRepository } from '#persistence/repositories/account-query.repository.js';
import { CardQueryRepository } from '#persistence/repositories/card-query.repository.js';
import { CreditQueryRepository } from '#persistence/repositories/credit-query.repository.js';
import { ChangeFeedQueryRepository } from '#persistence/repositories/change-feed-query.repository.js';
import { StatementQueryRepository } from '#persistence/repositories/statement-query.repository.js';
import { TransactionQueryRepository } from '#persistence/repositories/transaction-query.repository.js';
import { TransferQueryRepository } from '#persistence/repositories/transfer-query.repository.js';
import { AccountsController } from '../accounts/accounts.controller.js';
import { AccountsService } from '../accounts/accounts.service.js';
import { AuthModule } from '../auth/auth.module.js';
import { CardsController } from '../cards/cards.controller.js';
import { CardsService } from '../cards/cards.service.js';
import { CreditController, CreditService } from '../credit/credit.controller.js';
import { StatementsController } from '../statements/statements.controller.js';
import { StatementsService } from '../statements/statements.service.js';
import { ChangeFeedService } from '../transactions/change-feed.service.js';
import { TransactionsController } from '../transactions/transactions.controller.js';
import { TransactionsService } from '../transactions/transactions.service.js';
import { TransfersController } from '../transfers/transfers.controller.js';
import { TransfersService } from '../transfers/transfers.service.js';
import { DataScope } from './data-scope.js';

/**
 * The read side of the data API (api.md "Data"): accounts, balances, transactions, statements,
 * cards, transfers and the change feed. Every route is behind ApiKeyGuard, scoped to the caller
 * and access-logged (the global AccessLogInterceptor acts on `@AccessLogged`). The host provides
 * TypeORM's DataSource.
 */
@Module({
  imports: [AuthModule],
  controllers: [
    AccountsController,
    TransactionsController,
    StatementsController,
    CardsController,
    TransfersController,
    CreditController,
  ],
  providers: [
    AccountQueryRepository,
    TransactionQueryRepository,
    StatementQueryRepository,
    CardQueryRepository,
    TransferQueryRepository,
    ChangeFeedQueryRepository,
    CreditQueryRepository,
    CreditService,
    DataScope,
    AccountsService,
    TransactionsService,
    StatementsService,
    CardsService,
    TransfersService,
    ChangeFeedService,
  ],
  exports: [DataScope],
})
export class DataModule {}
