/** Injected faults: one registry for every sandbox bank (apps/sandbox-kit). */
export {
  FaultRegistry,
  FaultValidationError,
  toView,
  validateFault,
  type Fault,
  type FaultBody,
  type FaultSpec,
} from '../../../sandbox-kit/src/faults.js';
