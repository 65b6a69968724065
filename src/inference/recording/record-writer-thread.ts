import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface RecordWriterThreadOptions {
  /** The SQLite database file. */
  file: string;
  /** INSERT of one prediction record, positional parameters in the order of the rows sent. */
  recordSql: string;
  /** INSERT of one outbox event. */
  eventSql: string;
}

interface Reply {
  id: number;
  ok: boolean;
  message?: string;
  code?: string;
}

/**
 * Writes chunks of prediction records into a SQLite file from a worker thread (record-writer.worker.js)
 * with a connection of its own, so the event loop only hands them over. Chunks are written in the order
 * sent, each in one transaction; a failed chunk rejects its promise (the caller keeps it and retries). A
 * thread that dies is started again on the next write.
 */
export class RecordWriterThread {
  private worker: Worker | undefined;
  private sequence = 0;
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

  constructor(private readonly options: RecordWriterThreadOptions) {}

  write(rows: unknown[][], event: unknown[] | null): Promise<void> {
    const worker = this.worker ?? this.start();
    const id = (this.sequence += 1);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'write', id, rows, event });
    });
  }

  /** Lets the thread finish what it was sent, closes its connection and waits for it to end. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'close' });
    await ended;
  }

  private start(): Worker {
    const worker = new Worker(join(__dirname, 'record-writer.worker.js'), {
      workerData: { driver: require.resolve('better-sqlite3'), ...this.options },
    });
    // The application closes it; an idle writer must not keep a process alive on its own.
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiting.resolve();
      else waiting.reject(Object.assign(new Error(reply.message ?? 'write failed'), { code: reply.code }));
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new Error(`the prediction record writer thread exited (code ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  private failAll(error: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(error);
  }
}
