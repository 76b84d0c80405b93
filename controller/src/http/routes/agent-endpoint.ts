// GET /agent without a WebSocket upgrade (a browser, a curl): say what the endpoint is instead of a bare 404.
// Real upgrades never reach Hono: the ingest takes them from the server's 'upgrade' event.
import type { RouteModule } from '../app-context';
import { ROUTES } from '../../http-shared/route-table';

export const agentEndpointRoutes: RouteModule = (app) => {
  app.get(ROUTES.agent.path, (c) => {
    c.header('Upgrade', 'websocket');
    return c.json({ error: 'agent endpoint: connect with a WebSocket upgrade and Authorization: Bearer <agent token>' }, 426);
  });
};
