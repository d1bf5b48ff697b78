// The chat scenario with @apollo/client (clients/apollo.ts).
import { chatScenario } from './scenario.ts';

chatScenario('apollo');
