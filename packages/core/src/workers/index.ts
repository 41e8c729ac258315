export { DeliveryInProgress, type DeliveryOutcome, deliverOnce, pruneDeliveries } from "./deliveries";
export {
  beat,
  type DeadHolder,
  deadLockHolders,
  forget,
  type Heartbeat,
  pruneHeartbeats,
} from "./heartbeats";
