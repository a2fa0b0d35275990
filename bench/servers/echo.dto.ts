/**
 * The DTO of the validated scenario: the `data` of `{"event":"echo","data":{"text":"...","n":1}}`.
 * Validated with class-validator through Nest's ValidationPipe (no transform: the handler gets
 * the parsed object itself, so its JSON is the bytes the client sent).
 */
import { IsInt, IsString, MaxLength, Min } from 'class-validator';

export class EchoDto {
  @IsString()
  @MaxLength(4096)
  text!: string;

  @IsInt()
  @Min(0)
  n!: number;
}
