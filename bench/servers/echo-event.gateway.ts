/**
 * The gateway both gateway bench servers run, written only with `@nestjs/websockets`, as an
 * application would: `@SubscribeMessage('echo')` returning `{ event, data }`. The reply to
 * `{"event":"echo","data":"..."}` is the same bytes, which the load generator checks.
 */
import {
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type WsResponse,
} from '@nestjs/websockets';

@WebSocketGateway()
export class EchoEventGateway {
  @SubscribeMessage('echo')
  echo(@MessageBody() data: unknown): WsResponse<unknown> {
    return { event: 'echo', data };
  }
}
