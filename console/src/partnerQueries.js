// GraphQL documents of the big party committee (大党委), 阳光17议 and 时间银行 pages.
// A partner's documents never ask for Request fields: it sees `linkedRequests` summaries only.

export const TASK_FIELDS = `
fragment TaskFields on CoTask {
  id title ask dueAt state stateLabel overdue result version createdAt completedAt
  community { id name }
  parts { state result declineReason respondedAt doneAt partnerUnit { id name } }
  linkedRequests { title state stateLabel category subcategory place createdAt }
  events { cursor seq kind at actorLabel note partnerUnit { id name } }
}`;

// The list asks for less (the server limits a query's cost); a task is read in full when opened,
// and every live event brings the task in full.
export const TASK_LIST_FIELDS = `
fragment TaskListFields on CoTask {
  id title dueAt state stateLabel overdue result version createdAt
  community { id name }
  parts { state partnerUnit { id name } }
  linkedRequests { state }
}`;

export const CO_TASKS = `query CoTasks($filter: CoTaskFilter, $first: Int) {
  coTasks(filter: $filter, first: $first) { totalCount edges { node { ...TaskListFields } } }
} ${TASK_LIST_FIELDS}`;

export const CO_TASK = `query CoTask($id: ID!) { coTask(id: $id) { ...TaskFields } } ${TASK_FIELDS}`;

export const SUB_CO_TASKS = `subscription CoTaskUpdated($after: String) {
  coTaskUpdated(after: $after) { cursor seq kind at actorLabel note toState version partnerUnit { id name } task { ...TaskFields } }
} ${TASK_FIELDS}`;

const taskMutation = (name, inputType) =>
  `mutation ${name[0].toUpperCase()}${name.slice(1)}($i: ${inputType}!) { ${name}(input: $i) { task { ...TaskFields } } } ${TASK_FIELDS}`;

export const TM = {
  accept: taskMutation('acceptCoTask', 'CoTaskStepInput'),
  decline: taskMutation('declineCoTask', 'CoTaskTextInput'),
  progress: taskMutation('reportCoTaskProgress', 'CoTaskTextInput'),
  finish: taskMutation('finishCoTaskPart', 'CoTaskTextInput'),
  create: taskMutation('createCoTask', 'CreateCoTaskInput'),
  cancel: taskMutation('cancelCoTask', 'CoTaskTextInput'),
  complete: `mutation CompleteCoTask($i: CompleteCoTaskInput!) {
    completeCoTask(input: $i) { task { ...TaskFields } resolvedRequestIds unresolved { requestId reason } }
  } ${TASK_FIELDS}`,
};

// -- the community's side ----------------------------------------------------------------------

export const PARTNER_UNITS = `query PartnerUnits($communityId: ID!) {
  partnerUnits(filter: { communityId: $communityId }, first: 100) {
    totalCount edges { node { id code name kind services joinedOn active contacts { displayName } } }
  }
}`;

export const DUAL_REPORTS = `query DualReports($communityId: ID!) {
  dualReports(filter: { communityId: $communityId }, first: 100) {
    totalCount edges { node { id kind name affiliation reportedOn active totalMinutes partnerUnit { name } } }
  }
}`;

export const OPEN_REQUESTS = `query OpenRequests($communityId: ID!) {
  requests(filter: { communityId: $communityId, open: true }, first: 50) {
    totalCount edges { node { id trackingCode title state stateLabel createdAt subcategory { id name } } }
  }
}`;

// -- 阳光17议 ------------------------------------------------------------------------------------
// The list is slim; one meeting is read in full (topics, their requests, follow-ups, progress).

export const MEETINGS = `query Meetings($communityId: ID!) {
  meetings(filter: { communityId: $communityId }, first: 20) {
    totalCount
    edges { node { id kind kindLabel title state stateLabel scheduledAt heldAt place attendedCount topics { id title outcome outcomeLabel } } }
  }
}`;

export const MEETING = `query Meeting($id: ID!) {
  meeting(id: $id) {
    id kind kindLabel title state stateLabel scheduledAt heldAt place minutes version cancelReason attendedCount
    participants { id kind kindLabel name organisation attended }
    topics {
      id position title description outcome outcomeLabel resolution decidedAt subcategory { name }
      requests { id trackingCode title state stateLabel }
      followUps { id action owner dueOn state createdAt completedAt version progress { at note } }
    }
  }
}`;

export const PROPOSE_AGENDA = `query ProposeAgenda($communityId: ID!, $days: Int!, $threshold: Int!) {
  proposeAgenda(communityId: $communityId, days: $days, threshold: $threshold) {
    subcategory { id name category { name } } requestCount latestAt suggestedTitle onAgendaCount
    requests { id trackingCode title stateLabel createdAt }
  }
}`;

export const DELIBERATION_STATS = `query DeliberationStats($from: Date!, $to: Date!, $communityId: ID) {
  deliberationStats(from: $from, to: $to, communityId: $communityId) {
    total { meetingsHeld topics topicsDecided agreed notAgreed successRate }
  }
}`;

const meetingStep = (name, inputType) =>
  `mutation ${name[0].toUpperCase()}${name.slice(1)}($i: ${inputType}!) { ${name}(input: $i) { meeting { id state version } } }`;

export const MM = {
  schedule: meetingStep('scheduleMeeting', 'ScheduleMeetingInput'),
  hold: meetingStep('holdMeeting', 'HoldMeetingInput'),
  minutes: meetingStep('recordMinutes', 'RecordMinutesInput'),
  close: meetingStep('closeMeeting', 'CloseMeetingInput'),
  cancel: meetingStep('cancelMeeting', 'CancelMeetingInput'),
  participants: meetingStep('setParticipants', 'SetParticipantsInput'),
  attendance: meetingStep('recordAttendance', 'RecordAttendanceInput'),
  addTopic: `mutation AddMeetingTopic($i: AddMeetingTopicInput!) { addMeetingTopic(input: $i) { topic { id } meeting { id version } } }`,
  decide: `mutation DecideTopic($i: DecideTopicInput!) {
    decideTopic(input: $i) { topic { id outcome } meeting { id version } settledRequests { id } unsettledRequests { reason } }
  }`,
  addFollowUp: `mutation AddFollowUp($i: AddFollowUpInput!) { addFollowUp(input: $i) { followUp { id state version } } }`,
  followUpProgress: `mutation ReportFollowUpProgress($i: ReportFollowUpProgressInput!) { reportFollowUpProgress(input: $i) { followUp { id state version } } }`,
  completeFollowUp: `mutation CompleteFollowUp($i: CompleteFollowUpInput!) { completeFollowUp(input: $i) { followUp { id state version } } }`,
};

// -- 时间银行 ------------------------------------------------------------------------------------

export const TIME_BANK = `query TimeBank($communityId: ID!) {
  timeBankBooks(communityId: $communityId) { issued outstanding redeemed total balanced entries accounts }
  catalogue(communityId: $communityId) { id name kind description price pricePoints stock active }
  volunteers(filter: { communityId: $communityId }, first: 100) {
    totalCount edges { node { id name skills active account { id code balance balancePoints } } }
  }
}`;

// -- 时间银行: forms (register, record/confirm service, redeem, catalogue, reversal) --------------

export const TB_VOLUNTEERS = `query TbVolunteers($communityId: ID!) {
  volunteers(filter: { communityId: $communityId }, first: 100) {
    totalCount edges { node { id name skills active version account { id code balance balancePoints } } }
  }
}`;

export const TB_CATALOGUE = `query TbCatalogue($communityId: ID!) {
  catalogue(communityId: $communityId) { id name kind description price pricePoints stock active version }
}`;

export const TB_BOOKS = `query TbBooks($communityId: ID!) {
  timeBankBooks(communityId: $communityId) { issued outstanding redeemed total balanced entries accounts }
}`;

export const TB_SERVICES = `query TbServices($communityId: ID!) {
  serviceRecords(filter: { communityId: $communityId }, first: 30) {
    totalCount edges { node { id description servedOn minutes state stateLabel version confirmedAt participants { id name } } }
  }
}`;

export const TB_ACCOUNT = `query TbAccount($id: ID!) {
  timeBankAccount(id: $id) {
    id code balance balancePoints
    lines(first: 50) { edges { node { amount amountPoints createdAt
      entry { id kind kindLabel memo createdAt reverses { id } reversedBy { id } } } } }
  }
}`;

export const TBM = {
  registerVolunteer: `mutation RegisterVolunteer($i: RegisterVolunteerInput!) {
    registerVolunteer(input: $i) { volunteer { id name skills active account { id code balance balancePoints } } }
  }`,
  recordService: `mutation RecordService($i: RecordServiceInput!) {
    recordService(input: $i) { service { id description servedOn minutes state stateLabel version participants { id name } } }
  }`,
  confirmService: `mutation ConfirmService($i: ServiceStepInput!) {
    confirmService(input: $i) { service { id state stateLabel version participants { id name account { id balance balancePoints } } } }
  }`,
  rejectService: `mutation RejectService($i: ServiceStepInput!) { rejectService(input: $i) { service { id state stateLabel version } } }`,
  redeem: `mutation Redeem($i: RedeemInput!) {
    redeem(input: $i) { redemption { id quantity amount createdAt item { id name stock } } account { id balance balancePoints } }
  }`,
  addCatalogueItem: `mutation AddCatalogueItem($i: AddCatalogueItemInput!) {
    addCatalogueItem(input: $i) { item { id name kind description price pricePoints stock active version } }
  }`,
  updateCatalogueItem: `mutation UpdateCatalogueItem($i: UpdateCatalogueItemInput!) {
    updateCatalogueItem(input: $i) { item { id name active stock version } }
  }`,
  reverseEntry: `mutation ReverseEntry($i: ReverseEntryInput!) { reverseEntry(input: $i) { entry { id kind memo } } }`,
};

// -- 大党委: member units and 双报到 (forms) -------------------------------------------------------

export const PM = {
  addUnit: `mutation AddPartnerUnit($i: AddPartnerUnitInput!) {
    addPartnerUnit(input: $i) { partnerUnit { id code name kind services joinedOn active contacts { displayName } } }
  }`,
  updateUnit: `mutation UpdatePartnerUnit($i: UpdatePartnerUnitInput!) {
    updatePartnerUnit(input: $i) { partnerUnit { id code name kind services joinedOn active contacts { displayName } } }
  }`,
  registerDualReport: `mutation RegisterDualReport($i: RegisterDualReportInput!) {
    registerDualReport(input: $i) { dualReport { id kind name affiliation phone reportedOn active totalMinutes partnerUnit { name } } }
  }`,
  recordDualService: `mutation RecordDualReportService($i: RecordDualServiceInput!) {
    recordDualReportService(input: $i) { dualReport { id kind name affiliation phone reportedOn active totalMinutes partnerUnit { name } } }
  }`,
};

export const DUAL_REPORTS_FULL = `query DualReportsFull($communityId: ID!) {
  dualReports(filter: { communityId: $communityId }, first: 100) {
    totalCount edges { node { id kind name affiliation phone reportedOn active totalMinutes partnerUnit { name } } }
  }
}`;
