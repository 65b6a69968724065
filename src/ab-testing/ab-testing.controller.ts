import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../common/auth/actor.decorator';
import { toTestDto } from './ab-test.mapper';
import { AbTestConclusion } from './ab-test-conclusion.service';
import { AbTestMetrics } from './ab-test-metrics.service';
import { AbTestResults } from './ab-test-results.service';
import { AbTests } from './ab-tests.service';
import {
  ConcludeTestRequestDto,
  CreateTestRequestDto,
  CreateTestResponseDto,
  ListTestsQueryDto,
  RecordMetricsRequestDto,
  RecordMetricsResponseDto,
  TestDto,
  TestResultsDto,
} from './ab-testing.dto';
import { AbTestRouter } from './routing/ab-test.router';

const TEST_ID = new ParseUUIDPipe({ version: '4' });

@ApiTags('ab-tests')
@Controller('api/v1/ab-tests')
export class AbTestingController {
  constructor(
    private readonly tests: AbTests,
    private readonly results: AbTestResults,
    private readonly metrics: AbTestMetrics,
    private readonly conclusion: AbTestConclusion,
    private readonly router: AbTestRouter,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an A/B test (running at once)' })
  @ApiCreatedResponse({ type: CreateTestResponseDto })
  @ApiBadRequestResponse({ description: 'Invalid variants, metric or options (each field named).' })
  @ApiConflictResponse({ description: 'The service already has a live test, or too many tests are live.' })
  async create(@Body() body: CreateTestRequestDto, @Actor() actor: string): Promise<CreateTestResponseDto> {
    const test = await this.tests.create(body, actor);
    this.router.invalidate();
    return { test_id: test.id };
  }

  @Get()
  @ApiOperation({ summary: 'List A/B tests, newest first' })
  @ApiOkResponse({ type: [TestDto] })
  async list(@Query() q: ListTestsQueryDto): Promise<TestDto[]> {
    return (await this.tests.list(q)).map(toTestDto);
  }

  @Get(':test_id')
  @ApiOperation({ summary: 'Get an A/B test' })
  @ApiOkResponse({ type: TestDto })
  @ApiNotFoundResponse()
  async get(@Param('test_id', TEST_ID) id: string): Promise<TestDto> {
    return toTestDto(await this.tests.get(id));
  }

  @Get(':test_id/results')
  @ApiOperation({ summary: 'Per-variant statistics, sequential comparison, SRM check and guardrails' })
  @ApiOkResponse({ type: TestResultsDto })
  @ApiNotFoundResponse()
  async getResults(@Param('test_id', TEST_ID) id: string): Promise<TestResultsDto> {
    return this.results.compute(await this.tests.get(id));
  }

  @Post(':test_id/metrics')
  @HttpCode(201)
  @ApiOperation({ summary: 'Record business outcomes, by variant or by prediction_id' })
  @ApiCreatedResponse({ type: RecordMetricsResponseDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The test is concluded.' })
  async recordMetrics(
    @Param('test_id', TEST_ID) id: string,
    @Body() body: RecordMetricsRequestDto,
  ): Promise<RecordMetricsResponseDto> {
    return this.metrics.record(await this.tests.get(id), body.observations);
  }

  @Post(':test_id/conclude')
  @HttpCode(200)
  @ApiOperation({ summary: 'Conclude with a winner; `promote: true` moves it to production (or an alias)' })
  @ApiOkResponse({ type: TestDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'Already concluded, or the registry refused the promotion.' })
  async conclude(
    @Param('test_id', TEST_ID) id: string,
    @Body() body: ConcludeTestRequestDto,
    @Actor() actor: string,
  ): Promise<TestDto> {
    try {
      return toTestDto(await this.conclusion.conclude(id, body, actor));
    } finally {
      this.router.invalidate();
    }
  }

  @Post(':test_id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause a running test (traffic goes back to production)' })
  @ApiOkResponse({ type: TestDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The test is not running.' })
  async pause(@Param('test_id', TEST_ID) id: string, @Actor() actor: string): Promise<TestDto> {
    const test = await this.tests.pause(id, actor);
    this.router.invalidate();
    return toTestDto(test);
  }

  @Post(':test_id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a paused test' })
  @ApiOkResponse({ type: TestDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The test is not paused.' })
  async resume(@Param('test_id', TEST_ID) id: string, @Actor() actor: string): Promise<TestDto> {
    const test = await this.tests.resume(id, actor);
    this.router.invalidate();
    return toTestDto(test);
  }
}
