/* tslint:disable */
/* eslint-disable */
export * from './AccountApi';
export * from './ConsentApi';
export * from './DiaryApi';
export * from './FamilyApi';
export * from './HcpApi';
export * from './OfficerApi';
export * from './ProviderApplicationsApi';
export * from './RegistrationApi';
export * from './RemindersApi';
export * from './SessionsApi';
export * from './SyncApi';
export * from './SystemApi';
