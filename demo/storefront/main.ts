/** Starts the demo storefront: `STOREFRONT_PORT` (8000), `PROXY_URL` (http://localhost:3000), `LOCAL_SAGEMAKER_URL` (http://127.0.0.1:8080). */
import { demoServerKey, demoShopperTokenSecret } from '../demo-keys.ts';
import { createStorefront } from './server.ts';

const port = Number(process.env.STOREFRONT_PORT ?? 8000);
const proxyUrl = process.env.PROXY_URL ?? 'http://localhost:3000';
const runtimeUrl = process.env.LOCAL_SAGEMAKER_URL ?? 'http://127.0.0.1:8080';
const server = createStorefront({
  proxyUrl,
  runtimeUrl,
  shopperTokenSecret: process.env.RECO_SHOPPER_TOKEN_SECRET || demoShopperTokenSecret,
  serverKey: process.env.RECO_SERVER_KEY || demoServerKey,
});
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'storefront listening', port })));
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
