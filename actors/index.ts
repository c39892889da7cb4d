/**
 * troupe/actors: ready-made actors built only on troupe's public API. This module only
 * re-exports; each actor lives in its own file.
 */
export {
  taskQueue,
  TaskQueue,
  JobQueueFullError,
  UnknownJobError,
  type TaskQueueActor,
  type TaskQueueOptions,
  type JobInfo,
  type SubmitOptions,
  type JobState,
  type JobStatus,
  type Percentiles,
  type TaskQueueStats,
} from "./task-queue.js";
export {
  router,
  routed,
  Router,
  RoutedRef,
  NoRouteesError,
  type ConsistentHash,
  type Fanout,
  type RoutedCall,
  type RoutedReply,
  type Routing,
  type RoutingPolicy,
  type RouterOptions,
  type Selection,
} from "./router.js";
