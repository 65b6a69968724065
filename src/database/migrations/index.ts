import { Foundation1764230400000 } from './1764230400000-foundation';
import { Registry1764230500000 } from './1764230500000-registry';
import { Training1764230600000 } from './1764230600000-training';
import { Inference1764230700000 } from './1764230700000-inference';
import { Settings1764230800000 } from './1764230800000-settings';
import { Webhooks1764230900000 } from './1764230900000-webhooks';
import { Budgets1764230950000 } from './1764230950000-budgets';
import { AbTesting1764231000000 } from './1764231000000-ab-testing';
import { Monitoring1764231100000 } from './1764231100000-monitoring';
import { RegistrySearch1764231200000 } from './1764231200000-registry-search';
import { TrainingGpu1764231300000 } from './1764231300000-training-gpu';
import { PredictionPartialIndexes1764231400000 } from './1764231400000-prediction-partial-indexes';

/** Every migration, in order. Each domain appends its own. */
export const ALL_MIGRATIONS = [
  Foundation1764230400000,
  Registry1764230500000,
  Training1764230600000,
  Inference1764230700000,
  Settings1764230800000,
  Webhooks1764230900000,
  Budgets1764230950000,
  AbTesting1764231000000,
  Monitoring1764231100000,
  RegistrySearch1764231200000,
  TrainingGpu1764231300000,
  PredictionPartialIndexes1764231400000,
];
