export {
  ReadModel,
  startReadModel,
  type ReadModelOptions,
  type RunningReadModel,
  type SkillState,
  type Tag,
} from './model.js';
export { readRoutes, type ReadRoutesOptions } from './routes.js';
export { DISCOVERY_MAX_AGE_MS, DISCOVERY_SCHEMA, DiscoveryIndex, type DiscoverySkill } from './discovery.js';
export { DEFAULT_PER_PAGE, MAX_PER_PAGE, pageOf, searchText, type Page } from '../http/query.js';
export { downloadUrl, signatureUrl } from './urls.js';
