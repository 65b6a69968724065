import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../common/auth/actor.decorator';
import { WebhookSubscriptions } from './webhook-subscriptions.service';
import {
  CreateWebhookRequest,
  CreatedWebhookView,
  ListDeliveriesQuery,
  ListWebhooksQuery,
  WebhookDeliveryView,
  WebhookView,
} from './webhooks.dto';

@ApiTags('webhooks')
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhookSubscriptions) {}

  @Post()
  @ApiOperation({
    summary: 'Register a webhook',
    description:
      'Events of the given topics and/or event types are POSTed to `url`, signed (Standard Webhooks headers ' +
      '`webhook-id`, `webhook-timestamp`, `webhook-signature`, plus `X-Artenic-Signature`). The secret is ' +
      'returned only here. Loopback, link-local and private targets are refused unless allowed by config.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookView })
  create(@Body() body: CreateWebhookRequest, @Actor() actor: string): Promise<CreatedWebhookView> {
    return this.webhooks.create(body, actor);
  }

  @Get()
  @ApiOperation({ summary: 'List webhooks (newest first)' })
  @ApiOkResponse({ type: [WebhookView] })
  list(@Query() query: ListWebhooksQuery): Promise<WebhookView[]> {
    return this.webhooks.list(query.limit, query.offset);
  }

  @Get(':webhook_id')
  @ApiOperation({ summary: 'Get a webhook (without its secret)' })
  @ApiOkResponse({ type: WebhookView })
  @ApiNotFoundResponse({ description: 'Unknown webhook' })
  get(@Param('webhook_id') id: string): Promise<WebhookView> {
    return this.webhooks.get(id);
  }

  @Delete(':webhook_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook and its deliveries' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'Unknown webhook' })
  async remove(@Param('webhook_id') id: string): Promise<void> {
    await this.webhooks.remove(id);
  }

  @Get(':webhook_id/deliveries')
  @ApiOperation({ summary: "List a webhook's deliveries (newest first), optionally by status" })
  @ApiOkResponse({ type: [WebhookDeliveryView] })
  @ApiNotFoundResponse({ description: 'Unknown webhook' })
  deliveries(
    @Param('webhook_id') id: string,
    @Query() query: ListDeliveriesQuery,
  ): Promise<WebhookDeliveryView[]> {
    return this.webhooks.listDeliveries(id, query);
  }

  @Post(':webhook_id/deliveries/:delivery_id/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a delivery again',
    description:
      'Queues it with a fresh attempt budget (same `webhook-id`, so receivers still de-duplicate).',
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryView })
  @ApiNotFoundResponse({ description: 'Unknown webhook or delivery' })
  redeliver(
    @Param('webhook_id') id: string,
    @Param('delivery_id') deliveryId: string,
  ): Promise<WebhookDeliveryView> {
    return this.webhooks.redeliver(id, deliveryId);
  }
}
