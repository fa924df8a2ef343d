export {
  DEFAULT_SETTINGS,
  SETTINGS_KEYS,
  type Settings,
  type SettingsError,
  type SettingsPatchResult,
  SettingsSchema,
  toEngineSettings,
  validateSettingsPatch,
} from "./SettingsSchema.ts";
