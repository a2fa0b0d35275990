/** What a parameter decorator asks for; stored in Nest's route-arguments metadata. */
export enum WsParamType {
  /** The connection's fd. */
  Fd = 0,
  /** The received `Frame`. */
  Frame = 1,
  /** The frame's data (string for text, Buffer for binary), or an HTTP request body. */
  Data = 2,
  /** The data parsed as JSON (optionally one property of it). */
  Json = 3,
  /** The `WsRequest` (handshake, open, request events). */
  Request = 4,
  /** The `WsResponse` (handshake, beforeHandshakeResponse, request events). */
  Response = 5,
}
