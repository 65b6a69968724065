import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The request listener of a fake server. A client that goes away mid-request (a timeout of the adapter
 * under test, on a loaded machine) ends that exchange, as on a real server, instead of surfacing as an
 * unhandled rejection that fails whichever test is running ("aborted").
 */
export const fakeListener =
  (handle: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch(() => res.destroy());
  };
