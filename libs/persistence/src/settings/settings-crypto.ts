import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, open, readFile, stat } from 'node:fs/promises';

/** AES-256-GCM: 32-byte key, 12-byte nonce, 16-byte tag. */
const KEY_BYTES = 32;
const IV_BYTES = 12;
const FORMAT = 'v1';

/** A secret as stored: `v1:<iv>:<tag>:<ciphertext>`, each base64. */
export type SealedSecret = string;

export function seal(key: Buffer, plaintext: string): SealedSecret {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [FORMAT, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(
    ':',
  );
}

/** Throws when the secret was sealed with another key or was tampered with (GCM checks the tag). */
export function unseal(key: Buffer, sealed: SealedSecret): string {
  const [format, iv, tag, ciphertext] = sealed.split(':');
  if (format !== FORMAT || !iv || !tag || ciphertext === undefined) throw new Error('unknown sealed secret format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
}

/** A key given as 64 hex characters or as base64 of 32 bytes. */
export function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`the settings key must be ${KEY_BYTES} bytes (64 hex characters)`);
  return key;
}

/**
 * Reads the key file, or creates it (owner read/write only) with a random key.
 * `wx` makes creation atomic, so two API processes starting together agree on one key.
 */
export async function loadOrCreateKeyFile(file: string): Promise<Buffer> {
  try {
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(`${randomBytes(KEY_BYTES).toString('base64')}\n`);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // An existing file readable by others is tightened rather than trusted as is.
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  }
  return parseKey(await readFile(file, 'utf8'));
}
