import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

export interface TaskOptions {
  intervalMs: number;
  /** A tick running longer than this is reported as failed and its signal aborted. */
  timeoutMs?: number;
  /** Run once right after registration (on the next event-loop turn). */
  runOnStart?: boolean;
}

export interface TaskStatus {
  name: string;
  interval_ms: number;
  running: boolean;
  runs: number;
  failures: number;
  last_started_at: string | null;
  last_finished_at: string | null;
  last_duration_ms: number | null;
  last_error: string | null;
}

interface Task {
  fn: (signal: AbortSignal) => Promise<unknown>;
  options: TaskOptions;
  inFlight?: Promise<void>;
  status: TaskStatus;
}

/**
 * Background loops: @nestjs/schedule intervals whose ticks never overlap (a tick still running when the
 * next is due is skipped), are bounded by a timeout, and are stopped (and awaited) before the database
 * closes at shutdown. Their status feeds /health/detailed. `runNow` lets tests drive a tick directly.
 */
@Injectable()
export class PeriodicTasks implements BeforeApplicationShutdown {
  private readonly logger = new Logger('PeriodicTasks');
  private readonly tasks = new Map<string, Task>();
  private stopped = false;

  constructor(private readonly scheduler: SchedulerRegistry) {}

  register(name: string, fn: (signal: AbortSignal) => Promise<unknown>, options: TaskOptions): void {
    if (this.tasks.has(name)) throw new Error(`periodic task ${name} is already registered`);
    const task: Task = {
      fn,
      options,
      status: {
        name,
        interval_ms: options.intervalMs,
        running: false,
        runs: 0,
        failures: 0,
        last_started_at: null,
        last_finished_at: null,
        last_duration_ms: null,
        last_error: null,
      },
    };
    this.tasks.set(name, task);
    this.schedule(name, task);
    if (options.runOnStart) setImmediate(() => void this.tick(task));
  }

  /** Changes a loop's interval at run time (hot-reloaded settings). */
  reschedule(name: string, intervalMs: number): void {
    const task = this.tasks.get(name);
    if (!task || task.options.intervalMs === intervalMs) return;
    task.options.intervalMs = intervalMs;
    task.status.interval_ms = intervalMs;
    this.scheduler.deleteInterval(name);
    this.schedule(name, task);
  }

  /** Runs one tick now and waits for it (or for the tick already in flight). */
  async runNow(name: string): Promise<void> {
    const task = this.tasks.get(name);
    if (!task) throw new Error(`unknown periodic task ${name}`);
    if (task.inFlight) await task.inFlight;
    await this.tick(task);
  }

  statuses(): TaskStatus[] {
    return [...this.tasks.values()].map((t) => ({ ...t.status }));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stopAll();
  }

  async stopAll(): Promise<void> {
    this.stopped = true;
    for (const name of this.tasks.keys()) {
      if (this.scheduler.doesExist('interval', name)) this.scheduler.deleteInterval(name);
    }
    await Promise.allSettled([...this.tasks.values()].flatMap((t) => (t.inFlight ? [t.inFlight] : [])));
  }

  private schedule(name: string, task: Task): void {
    const handle = setInterval(() => void this.tick(task), task.options.intervalMs);
    handle.unref();
    this.scheduler.addInterval(name, handle);
  }

  private tick(task: Task): Promise<void> {
    if (this.stopped || task.inFlight) return task.inFlight ?? Promise.resolve();
    const run = this.execute(task).finally(() => {
      task.inFlight = undefined;
    });
    task.inFlight = run;
    return run;
  }

  private async execute(task: Task): Promise<void> {
    const { status } = task;
    const controller = new AbortController();
    const started = Date.now();
    status.running = true;
    status.runs += 1;
    status.last_started_at = new Date(started).toISOString();
    const timeoutMs = task.options.timeoutMs ?? Math.max(task.options.intervalMs * 5, 30_000);
    let timer: NodeJS.Timeout | undefined;
    const work = task.fn(controller.signal);
    try {
      await Promise.race([
        work,
        new Promise((_, reject) => {
          timer = setTimeout(() => {
            controller.abort();
            reject(new Error(`tick exceeded ${timeoutMs} ms`));
          }, timeoutMs);
        }),
      ]);
      status.last_error = null;
    } catch (error) {
      status.failures += 1;
      status.last_error = error instanceof Error ? error.message : String(error);
      this.logger.warn(`${status.name}: ${status.last_error}`);
    } finally {
      clearTimeout(timer);
      // An aborted tick is still awaited, so that ticks never overlap.
      await work.catch(() => undefined);
      status.running = false;
      status.last_finished_at = new Date().toISOString();
      status.last_duration_ms = Date.now() - started;
    }
  }
}
