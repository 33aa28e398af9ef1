import { num, url } from 'envalid';
import { defineProvider } from '../provider-definition.js';
import { createAlifShopConnector } from './alif-shop.connector.js';

/**
 * Alif Shop (Pakistan, buy-now-pay-later; the ledger is held by an SECP-licensed NBFC): a
 * one-time code by SMS, short rotating sessions, a 3-D Secure gate, and the person's credit
 * line with its purchases and repayments (docs/providers/alif-shop.md).
 */
export const alifShop = defineProvider({
  id: 'alif-shop',
  name: 'Alif Shop',
  country: 'PK',
  protocol: 'Alif Shop OTP session API',
  auth: 'otp',
  capabilities: ['accounts', 'balances', 'transactions', 'credit'],
  config: {
    ALIF_SHOP_URL: url({
      default: 'http://127.0.0.1:4020',
      desc: "the backend's origin (the API is under /api/v1)",
    }),
    ALIF_SHOP_PAGE_SIZE: num({
      default: 50,
      desc: 'items per page asked for (the backend caps it; its answer says what it used)',
    }),
  },
  create(config, shared) {
    return createAlifShopConnector({
      url: config.ALIF_SHOP_URL,
      pageSize: config.ALIF_SHOP_PAGE_SIZE,
      timeoutMs: shared.timeoutMs,
    });
  },
});
