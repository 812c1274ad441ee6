// GraphQL documents shared by the pages.

export const REQUEST_FIELDS = `
fragment ReqFields on Request {
  id trackingCode title text channel state stateLabel scope tier privateKind version
  createdAt overdue overdueSince dueAt dueKind dueEstimated resolveDueAt reporterCount locationNote
  assigneeName assigneeTitle assigneePhone workPlan progressIntervalDays resolution escalationNote
  street { id name } community { id name } grid { id name } building { id name }
  category { id name } subcategory { id name }
  suggestedSubcategory { id name category { id name } }
  suggestedDepartment { id name }
  assignments(activeOnly: true) { unitKind unitName unitId role status responseDueAt disputeReason }
}`;

export const EVENT_FIELDS = 'cursor seq kind at actorLabel note request { ...ReqFields }';

export const mutationDoc = (name, inputType) =>
  `mutation ${name[0].toUpperCase()}${name.slice(1)}($i: ${inputType}!) { ${name}(input: $i) { request { ...ReqFields } } } ${REQUEST_FIELDS}`;

export const M = {
  triage: mutationDoc('triageRequest', 'TriageRequestInput'),
  dispatch: mutationDoc('dispatchRequest', 'DispatchRequestInput'),
  redispatch: mutationDoc('redispatchRequest', 'DispatchRequestInput'),
  escalate: mutationDoc('escalateRequest', 'EscalateRequestInput'),
  merge: mutationDoc('mergeRequest', 'MergeRequestInput'),
  reject: mutationDoc('rejectRequest', 'RequestReasonInput'),
  close: mutationDoc('closeRequest', 'RequestStepInput'),
  reopen: mutationDoc('reopenRequest', 'RequestReasonInput'),
  accept: mutationDoc('acceptRequest', 'RequestStepInput'),
  dispute: mutationDoc('disputeRequest', 'RequestReasonInput'),
  progress: mutationDoc('reportProgress', 'RequestStepInput'),
  resolve: mutationDoc('resolveRequest', 'ResolveRequestInput'),
  classify: mutationDoc('classifyMinorRequest', 'ClassifyMinorInput'),
  assignPrivate: mutationDoc('assignPrivateRequest', 'AssignPrivateInput'),
};

export const ONE_REQUEST = `query One($id: ID!) { request(id: $id) { ...ReqFields } } ${REQUEST_FIELDS}`;
