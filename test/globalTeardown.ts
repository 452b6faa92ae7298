import type { TestStack } from './helpers/stack';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __DY_STACK__?: TestStack }).__DY_STACK__?.stop();
}
