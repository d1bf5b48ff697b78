// The chat scenario with urql (clients/urql.ts).
import { chatScenario } from './scenario.ts';

chatScenario('urql');
