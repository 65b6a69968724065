import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TrainingModule } from '../training/training.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { BudgetAdmission } from './budget-admission';
import { BudgetAlerts } from './budget-alerts';
import { BudgetLedger } from './budget-ledger';
import { BudgetMetering } from './budget-metering';
import { BudgetPolicy } from './budget-policy';
import { BudgetSpending } from './budget-spending.service';
import {
  BudgetAlertEntity,
  BudgetEntity,
  BudgetReservationEntity,
  BudgetSpendEntity,
} from './budget.entities';
import { BudgetsController } from './budgets.controller';
import { BudgetsService } from './budgets.service';

/**
 * Budget governance: rules, the spend ledger fed by live metering, admission control at dispatch,
 * once-per-period threshold alerts (delivered by webhooks) and graduated enforcement.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([BudgetEntity, BudgetAlertEntity, BudgetSpendEntity, BudgetReservationEntity]),
    TrainingModule,
    WebhooksModule,
  ],
  controllers: [BudgetsController],
  providers: [
    BudgetPolicy,
    BudgetsService,
    BudgetLedger,
    BudgetAlerts,
    BudgetAdmission,
    BudgetSpending,
    BudgetMetering,
  ],
  exports: [BudgetsService, BudgetLedger, BudgetSpending],
})
export class BudgetsModule {}
