import WebSocket from 'ws';
import { eventually } from './eventually';

export interface WsMessage {
  [key: string]: unknown;
}

/** A WebSocket client that records what it receives. */
export class RecordingSocket {
  readonly messages: WsMessage[] = [];
  closeCode: number | undefined;
  closeReason = '';
  readonly socket: WebSocket;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer) =>
      this.messages.push(JSON.parse(data.toString('utf8')) as WsMessage),
    );
    socket.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = String(reason);
    });
  }

  static open(url: string, protocols?: string[], headers?: Record<string, string>): Promise<RecordingSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, protocols, { headers });
      const client = new RecordingSocket(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) =>
        reject(
          Object.assign(new Error(`handshake refused: ${res.statusCode}`), { statusCode: res.statusCode }),
        ),
      );
    });
  }

  events(): WsMessage[] {
    return this.messages.filter((m) => m.type !== 'heartbeat');
  }

  async waitFor(count: number, timeoutMs = 5000): Promise<WsMessage[]> {
    return eventually(
      () => {
        const events = this.events();
        if (events.length < count) throw new Error(`received ${events.length}/${count} events`);
        return events;
      },
      { timeoutMs },
    );
  }

  async closed(timeoutMs = 5000): Promise<number> {
    return eventually(
      () => {
        if (this.closeCode === undefined) throw new Error('still open');
        return this.closeCode;
      },
      { timeoutMs },
    );
  }

  close(): void {
    this.socket.close();
  }
}
