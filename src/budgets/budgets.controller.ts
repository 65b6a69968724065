import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../common/auth/actor.decorator';
import { BudgetSpending } from './budget-spending.service';
import { BudgetsService } from './budgets.service';
import {
  BudgetIdParam,
  BudgetSpendingView,
  BudgetView,
  CreateBudgetRequest,
  ListBudgetsQuery,
  SpendingQuery,
  UpdateBudgetRequest,
} from './budgets.dto';

@ApiTags('budgets')
@Controller('api/v1/budgets')
export class BudgetsController {
  constructor(
    private readonly budgets: BudgetsService,
    private readonly spending: BudgetSpending,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List budgets (newest first; enabled only by default)' })
  @ApiOkResponse({ type: [BudgetView] })
  list(@Query() query: ListBudgetsQuery): Promise<BudgetView[]> {
    return this.budgets.list(query);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a budget',
    description:
      "Answers 200 as the reference did. Give `limit` (integer micros) with `currency`, or the reference's " +
      '`limit_eur`. Jobs matching a block-mode budget are refused with 402 at dispatch when they would pass ' +
      'it; at 100% of spend its matching running jobs are cancelled.',
  })
  @ApiOkResponse({ type: BudgetView })
  create(@Body() body: CreateBudgetRequest, @Actor() actor: string): Promise<BudgetView> {
    return this.budgets.create(body, actor);
  }

  @Get('spending')
  @ApiOperation({
    summary: 'Spending per budget for its current period (limit, spent, reserved, remaining, forecast)',
  })
  @ApiOkResponse({ type: [BudgetSpendingView] })
  spendingReport(@Query() query: SpendingQuery): Promise<BudgetSpendingView[]> {
    return this.spending.report(query);
  }

  @Get(':budget_id')
  @ApiOperation({ summary: 'Get a budget' })
  @ApiOkResponse({ type: BudgetView })
  @ApiNotFoundResponse({ description: 'Unknown budget' })
  get(@Param() params: BudgetIdParam): Promise<BudgetView> {
    return this.budgets.get(params.budget_id);
  }

  @Put(':budget_id')
  @ApiOperation({ summary: 'Update a budget (only the fields given)' })
  @ApiOkResponse({ type: BudgetView })
  @ApiNotFoundResponse({ description: 'Unknown budget' })
  update(@Param() params: BudgetIdParam, @Body() body: UpdateBudgetRequest): Promise<BudgetView> {
    return this.budgets.update(params.budget_id, body);
  }

  @Delete(':budget_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a budget with its alerts and reservations' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'Unknown budget' })
  async remove(@Param() params: BudgetIdParam): Promise<void> {
    await this.budgets.remove(params.budget_id);
  }
}
