import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { EVENT_TOPICS } from '../events/event-topics';
import { DELIVERY_STATUSES, type DeliveryStatus } from './webhook-delivery.entity';

export class CreateWebhookRequest {
  @ApiProperty({
    example: 'https://hooks.example.com/artenic',
    description: 'http(s) endpoint receiving POSTs',
  })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiPropertyOptional({ enum: EVENT_TOPICS, isArray: true, description: 'Every event of these topics' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(EVENT_TOPICS.length)
  @IsIn(EVENT_TOPICS, { each: true })
  topics?: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['budget.threshold_crossed'],
    description: 'Exact event types, whatever their topic',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Matches(/^[a-z0-9_.]{1,64}$/, { each: true, message: 'each event type must match [a-z0-9_.]{1,64}' })
  event_types?: string[];

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ListWebhooksQuery {
  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

export class ListDeliveriesQuery extends ListWebhooksQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;
}

export class WebhookView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String] }) topics!: string[];
  @ApiProperty({ type: [String] }) event_types!: string[];
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() created_by!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class CreatedWebhookView extends WebhookView {
  @ApiProperty({
    description:
      'Signing secret (`whsec_…`), shown only in this response. `webhook-signature` is keyed with the base64 ' +
      'part after `whsec_`; `X-Artenic-Signature` with the whole string.',
  })
  secret!: string;
}

export class WebhookDeliveryView {
  @ApiProperty({ format: 'uuid', description: 'Also the `webhook-id` header: de-duplicate on it' })
  id!: string;
  @ApiProperty({ format: 'uuid' }) subscription_id!: string;
  @ApiProperty() event_id!: number;
  @ApiProperty() topic!: string;
  @ApiProperty() event_type!: string;
  @ApiProperty({ type: String, nullable: true }) subject!: string | null;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: DeliveryStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty() max_attempts!: number;
  @ApiProperty() redeliveries!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) next_attempt_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_attempt_at!: string | null;
  @ApiProperty({ type: Number, nullable: true }) last_status_code!: number | null;
  @ApiProperty({ type: String, nullable: true }) last_error!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) delivered_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}
