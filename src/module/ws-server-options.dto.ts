import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';

/** A PEM value: a string or a Buffer. */
function IsPem(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPem',
      validator: {
        validate: (value: unknown) => typeof value === 'string' || Buffer.isBuffer(value),
        defaultMessage: () => '$property must be a PEM string or Buffer',
      },
    },
    options,
  );
}

/** `ssl: { cert, key }`. */
export class WsSslOptionsDto {
  @IsPem()
  cert!: string | Buffer;

  @IsPem()
  key!: string | Buffer;
}

/** Swoole's settings, as validated at startup. */
export class WsServerSettingsDto {
  @IsOptional() @IsString() websocket_subprotocol?: string;
  @IsOptional() @IsBoolean() websocket_compression?: boolean;
  @IsOptional() @IsInt() @Min(0) websocket_compression_threshold?: number;
  @IsOptional() @IsBoolean() websocket_compression_server_no_context_takeover?: boolean;
  @IsOptional() @IsBoolean() websocket_compression_client_no_context_takeover?: boolean;
  @IsOptional() @IsInt() @Min(9) @Max(15) websocket_compression_server_max_window_bits?: number;
  @IsOptional() @IsBoolean() open_websocket_close_frame?: boolean;
  @IsOptional() @IsBoolean() open_websocket_ping_frame?: boolean;
  @IsOptional() @IsBoolean() open_websocket_pong_frame?: boolean;
  @IsOptional() @IsNumber() @Min(0) heartbeat_check_interval?: number;
  @IsOptional() @IsNumber() @Min(0) heartbeat_idle_time?: number;
  @IsOptional() @IsBoolean() heartbeat_ping?: boolean;
  @IsOptional() @IsInt() @Min(1) max_connection?: number;
  @IsOptional() @IsInt() @Min(1) package_max_length?: number;
  @IsOptional() @IsInt() @Min(1) buffer_output_size?: number;
  @IsOptional() @IsIn(['drop', 'close']) buffer_output_overflow?: 'drop' | 'close';
  @IsOptional() @IsNumber() @Min(0.001) handshake_timeout?: number;
  @IsOptional() @IsNumber() @Min(0.001) http_request_timeout?: number;
  @IsOptional() @IsInt() @Min(1024) http_header_max_size?: number;
  @IsOptional() @IsNumber() @Min(0) websocket_close_timeout?: number;
  @IsOptional() @IsArray() @IsString({ each: true }) websocket_allowed_origins?: string[];
  @IsOptional() @IsString() ssl_cert_file?: string;
  @IsOptional() @IsString() ssl_key_file?: string;
  /** Worker processes: more than 1 needs the app started with `runCluster`. */
  @IsOptional() @IsInt() @Min(1) worker_num?: number;
}

/** `cluster.redis`: the multi-node adapter. */
export class WsRedisClusterOptionsDto {
  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'cluster.redis.url must be a redis:// or rediss:// URL' })
  url!: string;
  @IsOptional() @IsString() prefix?: string;
  @IsOptional() @IsInt() @Min(1) requestTimeout?: number;
  @IsOptional() @IsInt() @Min(10) heartbeatInterval?: number;
}

/** `cluster`: how to reach connections owned by other processes or machines. */
export class WsClusterOptionsDto {
  @IsOptional()
  @ValidateNested()
  @Type(() => WsRedisClusterOptionsDto)
  redis?: WsRedisClusterOptionsDto;
}

/** The module options, as validated at startup. */
export class WsServerModuleOptionsDto {
  @IsOptional() @IsString() host?: string;
  @IsOptional() @IsInt() @Min(0) @Max(65535) port?: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => WsSslOptionsDto)
  ssl?: WsSslOptionsDto;

  @IsOptional()
  @ValidateNested()
  @Type(() => WsServerSettingsDto)
  settings?: WsServerSettingsDto;

  @IsOptional()
  @ValidateNested()
  @Type(() => WsClusterOptionsDto)
  cluster?: WsClusterOptionsDto;

  @IsOptional() @IsBoolean() attachToHttpServer?: boolean;
  @IsOptional() @IsInt() @Min(0) shutdownTimeout?: number;
}
