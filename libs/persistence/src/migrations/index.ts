import { Foundation1763877600000 } from './1763877600000-Foundation.js';
import { Consents1763881200000 } from './1763881200000-Consents.js';
import { SyncAndData1763884800000 } from './1763884800000-SyncAndData.js';
import { DataReadIndexes1763888400000 } from './1763888400000-DataReadIndexes.js';
import { AccountTotals1763892000000 } from './1763892000000-AccountTotals.js';
import { DropStatementIndex1763895600000 } from './1763895600000-DropStatementIndex.js';
import { Coverage1765100000000 } from './1765100000000-Coverage.js';
import { ClientRedirectUris1796662023486 } from './1796662023486-ClientRedirectUris.js';
import { SyncBookkeepingAndMoneyScale1796700000000 } from './1796700000000-SyncBookkeepingAndMoneyScale.js';
import { CreditLedger1796800000000 } from './1796800000000-CreditLedger.js';
import { InstalmentChanges1796900000000 } from './1796900000000-InstalmentChanges.js';
import { PartitionTransactions1797000000000 } from './1797000000000-PartitionTransactions.js';
import { TransactionLineage1797100000000 } from './1797100000000-TransactionLineage.js';
import { SyncResumeAt1797150000000 } from './1797150000000-SyncResumeAt.js';
import { Bepaid1797200000000 } from './1797200000000-Bepaid.js';
import { BepaidNotificationStatus1797250000000 } from './1797250000000-BepaidNotificationStatus.js';
import { AccountsDueIndex1797300000000 } from './1797300000000-AccountsDueIndex.js';
import { SyncsFinishedIndex1797400000000 } from './1797400000000-SyncsFinishedIndex.js';
import { ConsentsSweepIndexes1797500000000 } from './1797500000000-ConsentsSweepIndexes.js';

/** Every migration in order (explicit, so ESM and Jest load the same classes). */
export const MIGRATIONS = [
  Foundation1763877600000,
  Consents1763881200000,
  SyncAndData1763884800000,
  DataReadIndexes1763888400000,
  AccountTotals1763892000000,
  DropStatementIndex1763895600000,
  Coverage1765100000000,
  ClientRedirectUris1796662023486,
  SyncBookkeepingAndMoneyScale1796700000000,
  CreditLedger1796800000000,
  InstalmentChanges1796900000000,
  PartitionTransactions1797000000000,
  TransactionLineage1797100000000,
  SyncResumeAt1797150000000,
  Bepaid1797200000000,
  BepaidNotificationStatus1797250000000,
  AccountsDueIndex1797300000000,
  SyncsFinishedIndex1797400000000,
  ConsentsSweepIndexes1797500000000,
];
