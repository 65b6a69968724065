import { Body, Controller, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiGatewayTimeoutResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { requestIdOf } from '../common/http/request-id';
import { PredictBatchRequestDto, PredictRequestDto, PredictResponseDto } from './inference.dto';
import { PredictionService, type PredictOutcome } from './prediction.service';
import {
  PredictBatchBodyPipe,
  PredictBodyPipe,
  type PredictBatchBody,
  type PredictBody,
} from './predict-body.pipe';

export const SUBJECT_HEADER = 'x-artenic-subject';

/** One response item per row: the reference's fields plus who answered, how fast, and the record id. */
export function toPredictResponses(o: PredictOutcome, batch = false): PredictResponseDto[] {
  return o.rows.map((prediction, i) => {
    const answer: PredictResponseDto = {
      prediction,
      model_id: o.model_id,
      model_version: o.model_version,
      service: o.service,
      timestamp: o.timestamp,
      latency_ms: o.latency_ms,
      prediction_id: batch ? `${o.prediction_id}:${i}` : o.prediction_id,
    };
    // Assigned (not spread) in a fixed order: the JSON keeps the reference's field order.
    if (o.variant) answer.variant = o.variant;
    if (o.ab_test_id) answer.ab_test_id = o.ab_test_id;
    if (o.ensemble_id) {
      answer.ensemble_id = o.ensemble_id;
      answer.ensemble_version = o.ensemble_version;
      answer.members = o.members;
    }
    return answer;
  });
}

@ApiTags('inference')
@Controller('api/v1/services')
export class InferenceController {
  constructor(private readonly predictions: PredictionService) {}

  @Post(':service/predict')
  @HttpCode(200)
  @ApiOperation({ summary: 'Predict with the model (or ensemble) serving the service' })
  @ApiBody({ type: PredictRequestDto })
  @ApiOkResponse({ type: PredictResponseDto })
  @ApiBadRequestResponse({ description: 'Invalid body, or an input of the wrong shape or type (named).' })
  @ApiNotFoundResponse({ description: 'No model serves the service, or the pinned model_id is unknown.' })
  @ApiBadGatewayResponse({ description: 'A remote model server failed.' })
  @ApiServiceUnavailableResponse({
    description: 'Circuit open, gateway overloaded or ensemble quorum unmet.',
  })
  @ApiGatewayTimeoutResponse({ description: 'A remote model server did not answer in time.' })
  async predict(
    @Param('service') service: string,
    @Body(PredictBodyPipe) body: PredictBody,
    @Headers(SUBJECT_HEADER) subjectHeader: string | undefined,
    @Req() req: unknown,
  ): Promise<PredictResponseDto> {
    const outcome = await this.predictions.predict({
      service,
      rows: [body.data],
      modelId: body.model_id,
      subject: subjectHeader || body.subject || requestIdOf(req),
      request: { data: body.data },
    });
    return toPredictResponses(outcome)[0]!;
  }

  @Post(':service/predict_batch')
  @HttpCode(200)
  @ApiOperation({ summary: 'Predict a batch in one model call (a list of predict results, in order)' })
  @ApiBody({ type: PredictBatchRequestDto })
  @ApiOkResponse({ type: [PredictResponseDto] })
  @ApiBadRequestResponse({ description: 'Invalid body, or an input of the wrong shape or type (named).' })
  @ApiNotFoundResponse({ description: 'No model serves the service.' })
  @ApiPayloadTooLargeResponse({ description: 'More rows than ARTENIC_INFERENCE__MAX_BATCH_SIZE.' })
  async predictBatch(
    @Param('service') service: string,
    @Body(PredictBatchBodyPipe) body: PredictBatchBody,
    @Headers(SUBJECT_HEADER) subjectHeader: string | undefined,
    @Req() req: unknown,
  ): Promise<PredictResponseDto[]> {
    const outcome = await this.predictions.predict({
      service,
      rows: body.batch,
      modelId: body.model_id,
      subject: subjectHeader || body.subject || requestIdOf(req),
      request: { batch: body.batch },
    });
    return toPredictResponses(outcome, true);
  }
}
