import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** A chat message as a client sends it: `{"name": "ann", "text": "hello"}`. */
export class ChatMessageDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  name!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  text!: string;
}
