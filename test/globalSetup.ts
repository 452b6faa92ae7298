import { startTestStack } from './helpers/stack';

export default async function globalSetup(): Promise<void> {
  const stack = await startTestStack();
  Object.assign(process.env, stack.env);
  (globalThis as { __DY_STACK__?: unknown }).__DY_STACK__ = stack;
}
