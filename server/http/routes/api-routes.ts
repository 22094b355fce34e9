/** Where the API's routes are added: the app, behind the API's own layers (server/app.ts). */
import type { IRoute } from 'express';

/** Adds a route under `/v1`; `path` is the rest (`/recommendations`), the API's layers already on it. */
export interface ApiRoutes {
  route(path: string): IRoute;
}
