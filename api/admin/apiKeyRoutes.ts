import { Router } from 'express';
import type { ApiContext } from '../context';
import { HttpError } from '../errors';
import { listApiKeys, revokeApiKey } from './apiKeys';
import { requireAdminToken } from './auth';

/**
 * Machine clients' keys, for admins: list (never a key or its hash) and revoke. Keys are created on the
 * command line (npm run apikey:create), which alone ever shows a key.
 */
export function apiKeyRoutes(ctx: ApiContext): Router {
  const router = Router();
  const admins = requireAdminToken(ctx, []);

  router.get('/api/admin/api-keys', admins, async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ keys: await listApiKeys(ctx.db) });
  });

  router.post('/api/admin/api-keys/:name/revoke', admins, async (req, res) => {
    const key = await revokeApiKey(ctx.db, String(req.params.name));
    if (!key) throw new HttpError(404, 'API_KEY_NOT_FOUND', `no API key named ${String(req.params.name)}`);
    res.json({ key });
  });

  return router;
}
