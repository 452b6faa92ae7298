import type { DataConverter } from '@temporalio/common';
import type { Config } from '../lib/config';
import { createPayloadCodec } from './codec';

/**
 * How workflow payloads are encoded on their way to Temporal: AES-256-GCM with PAYLOAD_ENCRYPTION_KEYS (see
 * codec.ts). The worker and every client must agree, so both build it here from the same settings.
 *
 * Without keys (allowed in development and tests only; production refuses to start) payloads stay plain:
 * there is deliberately no built-in dev key, because a key published in the repository protects nothing and
 * would only make dev histories unreadable in the Temporal UI without the codec endpoint.
 *
 * Not covered by the codec, by Temporal's design: search attributes (indexed in plain text, hence the erasure
 * note on CustomerEmail), workflow/activity ids and types, and failure messages and stack traces (they would
 * need a failure converter with encodeCommonAttributes loaded inside the workflow bundle).
 */
export function createDataConverter(config: Config): DataConverter | undefined {
  const codec = createPayloadCodec(config);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
