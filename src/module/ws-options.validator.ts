import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import type { WsServerModuleOptions } from './ws-server-module-options.interface.js';
import { WsServerModuleOptionsDto } from './ws-server-options.dto.js';

/**
 * Validates module options at startup. An unknown or ill-typed option throws an error that
 * names it (`settings.max_connection must be an integer number`), so a typo never passes
 * silently.
 */
export function validateWsServerOptions(options: WsServerModuleOptions): WsServerModuleOptions {
  if (options === null || typeof options !== 'object') {
    throw new Error('WsServerModule: options must be an object');
  }
  const instance = plainToInstance(WsServerModuleOptionsDto, options);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw new Error(`WsServerModule: invalid options: ${describeErrors(errors).join('; ')}`);
  }
  return options;
}

function describeErrors(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix + error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) =>
      rule === 'whitelistValidation'
        ? `unknown option "${path}"`
        : message.replace(error.property, path),
    );
    return [...own, ...describeErrors(error.children ?? [], `${path}.`)];
  });
}
