import { TOOLS, ensureTool, type ToolName } from '../lib/tools';

/** Makes sure the pinned binaries exist (env path, PATH, cache, or a build from their Go modules). */
for (const name of Object.keys(TOOLS) as ToolName[]) {
  const found = ensureTool(name, (m) => console.log(`[tools] ${m}`));
  if (found) console.log(`[tools] ${TOOLS[name].bin} ${TOOLS[name].version}: ${found}`);
  else console.log(`[tools] ${TOOLS[name].bin}: not found and no Go toolchain; ${name === 'temporal' ? 'the Temporal SDK download will be tried' : `set ${TOOLS[name].env}`}`);
}
