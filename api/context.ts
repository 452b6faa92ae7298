import type { Client } from '@temporalio/client';
import type Redis from 'ioredis';
import type Stripe from 'stripe';
import type { Db } from '../db/connection';
import type { Config } from '../lib/config';

/** What the API's routes share: configuration and clients, built once per process. */
export interface ApiContext {
  config: Config;
  db: Db;
  temporal: Client;
  redis: Redis;
  stripe: Stripe;
}
