import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * Customer data (names, e-mails, phones, addresses) travels in workflow inputs, results, signals, updates and
 * queries; Temporal stores all of it in histories that outlive our erasure requests for the namespace
 * retention. Encrypting every payload before it leaves the process keeps that copy unreadable to anyone with
 * access to the Temporal store or UI but not to our keys.
 *
 * Wire format (the one Temporal's own encryption samples use, so other SDKs' codec servers can read it):
 *   metadata.encoding          = "binary/encrypted"
 *   metadata.encryption-key-id = the id of the key that encrypted it (UTF-8)
 *   data                       = IV (12 random bytes) ‖ AES-256-GCM ciphertext ‖ GCM tag (16 bytes)
 * where the plaintext is the original Payload, protobuf-encoded (its metadata included, so the encoding of
 * the inner value survives).
 *
 * A payload without `binary/encrypted` passes through untouched: histories recorded before encryption was
 * turned on (and our replay fixtures) still decode and replay.
 */
export const ENCODING_METADATA_KEY = 'encoding';
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export interface EncryptionKeys {
  /** Every configured key decrypts, so payloads written under a retired key stay readable after rotation. */
  keys: ReadonlyMap<string, Buffer>;
  /** The key new payloads are encrypted with. */
  activeKeyId: string;
}

export class EncryptionKeyError extends Error {}

/**
 * PAYLOAD_ENCRYPTION_KEYS is `id:base64(32 bytes)[,id:base64…]`; PAYLOAD_ENCRYPTION_KEY_ID picks the key that
 * encrypts (default: the first listed). A malformed list stops the process: guessing would either leave data
 * unencrypted or write payloads nobody can read back.
 */
export function parseEncryptionKeys(list: string, activeKeyId?: string): EncryptionKeys {
  const keys = new Map<string, Buffer>();
  const entries = list.split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) throw new EncryptionKeyError('PAYLOAD_ENCRYPTION_KEYS: no key listed (expected id:base64 of 32 bytes)');
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const material = colon < 0 ? '' : entry.slice(colon + 1).trim();
    // Only the id is ever named in the message: the key material must not reach a log.
    if (!KEY_ID.test(id)) throw new EncryptionKeyError(`PAYLOAD_ENCRYPTION_KEYS: each key is id:base64 with an id of letters, digits, ".", "_" or "-" (got an entry with id "${id.slice(0, 64)}")`);
    if (keys.has(id)) throw new EncryptionKeyError(`PAYLOAD_ENCRYPTION_KEYS: key id "${id}" is listed twice`);
    const key = BASE64.test(material) ? Buffer.from(material, 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES) throw new EncryptionKeyError(`PAYLOAD_ENCRYPTION_KEYS: key "${id}" must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)`);
    keys.set(id, key);
  }
  const active = activeKeyId?.trim() || entries[0].slice(0, entries[0].indexOf(':')).trim();
  if (!keys.has(active)) throw new EncryptionKeyError(`PAYLOAD_ENCRYPTION_KEY_ID: "${active}" is not one of the keys in PAYLOAD_ENCRYPTION_KEYS`);
  return { keys, activeKeyId: active };
}

/** A payload this codec cannot open: unknown key, or ciphertext that fails authentication (tampered or truncated). */
export class PayloadDecryptionError extends Error {}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly activeKey: Buffer;
  private readonly activeKeyIdBytes: Uint8Array;

  constructor(private readonly config: EncryptionKeys) {
    this.activeKey = config.keys.get(config.activeKeyId) as Buffer;
    this.activeKeyIdBytes = utf8.encode(config.activeKeyId);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encryptOne(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decryptOne(payload));
  }

  private encryptOne(payload: Payload): Payload {
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    // A fresh random IV per payload: GCM's security collapses if an IV ever repeats under one key, and 96
    // random bits keep that negligible far beyond the number of payloads one key will see.
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.activeKey, iv);
    const data = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [ENCODING_METADATA_KEY]: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA_KEY]: this.activeKeyIdBytes },
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  }

  private decryptOne(payload: Payload): Payload {
    const encoding = payload.metadata?.[ENCODING_METADATA_KEY];
    if (!encoding || fromUtf8.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
    const idBytes = payload.metadata?.[KEY_ID_METADATA_KEY];
    const keyId = idBytes ? fromUtf8.decode(idBytes) : '';
    const key = this.config.keys.get(keyId);
    if (!key) throw new PayloadDecryptionError(`payload encrypted with key "${keyId.slice(0, 64)}", which is not in PAYLOAD_ENCRYPTION_KEYS`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`payload encrypted with key "${keyId}" is truncated`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`payload encrypted with key "${keyId}" failed authentication (altered, or a different key under the same id)`);
    }
    return temporal.api.common.v1.Payload.decode(plaintext);
  }
}

/** The codec for these settings, or undefined when no keys are configured (then payloads stay as they are). */
export function createPayloadCodec(settings: { PAYLOAD_ENCRYPTION_KEYS?: string; PAYLOAD_ENCRYPTION_KEY_ID?: string }): AesGcmPayloadCodec | undefined {
  if (!settings.PAYLOAD_ENCRYPTION_KEYS?.trim()) {
    // An operator who names a key clearly meant to encrypt: silently writing plaintext would hide the mistake.
    if (settings.PAYLOAD_ENCRYPTION_KEY_ID?.trim()) throw new EncryptionKeyError('PAYLOAD_ENCRYPTION_KEY_ID is set but PAYLOAD_ENCRYPTION_KEYS is empty');
    return undefined;
  }
  return new AesGcmPayloadCodec(parseEncryptionKeys(settings.PAYLOAD_ENCRYPTION_KEYS, settings.PAYLOAD_ENCRYPTION_KEY_ID));
}
