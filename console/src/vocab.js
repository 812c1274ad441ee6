// Chinese labels for the schema's enums (the server sends English enum values).

export const CHANNEL = {
  BUILDING_LEADER: '楼长上报',
  GRID_WORKER: '网格员走访',
  SNAPSHOT: '随手拍',
  HOTLINE: '社区热线',
  SERVICE_STATION: '民需服务站',
  MAILBOX: '民情速递箱',
  QR_CODE: '楼栋二维码',
  MEETING: '议事会',
  CITY_HOTLINE: '市民热线',
};

export const SCOPE = { MAJOR: '大事', MINOR: '小事', PRIVATE: '私事' };
export const SCOPE_HINT = {
  MAJOR: '超出社区、街道能力,派区直部门或街道牵头办理',
  MINOR: '社区能解决的小事,由社区分 A/B/C 档',
  PRIVATE: '家庭、邻里等私事,调解或志愿服务',
};

export const TIER = { A: 'A 档 · 即时办', B: 'B 档 · 限时办', C: 'C 档 · 常态办' };

export const STATE = {
  SUBMITTED: '待分类',
  TRIAGED: '已分类',
  DISPATCHED: '已派单',
  ACCEPTED: '已受理',
  IN_PROGRESS: '办理中',
  RESOLVED: '已办结',
  CLOSED: '已关闭',
  DISPUTED: '有异议',
  REDISPATCHED: '二次分流',
  ESCALATED: '已提级',
  DECIDED: '区级裁定',
  MERGED: '已合并',
  REJECTED: '已驳回',
  REOPENED: '重办',
};

export const DUE_KIND = {
  TRIAGE: '分类时限',
  RESPONSE: '响应时限',
  REDISPATCH: '二次分流时限',
  DECISION: '裁定时限',
  RESOLVE: '办结时限',
  PROGRESS: '进展反馈时限',
};

export const ROLE = {
  ADMIN: '平台管理员',
  CENTER_DISPATCHER: '智慧呼应中心调度员',
  STREET_OFFICER: '街道分中心',
  COMMUNITY_WORKER: '社区工作站',
  GRID_WORKER: '网格员',
  BUILDING_LEADER: '楼长',
  FIELD_HEAD: '田长',
  DEPARTMENT_HANDLER: '区直部门承办人',
  DISTRICT_LEADER: '区领导',
  PARTNER: '共建单位',
  VOLUNTEER: '志愿者',
  EVALUATOR: '考评员',
};

export const UNIT_KIND = {
  DEPARTMENT: '区直部门',
  STREET: '街道',
  SECTION: '街道科室',
  COMMUNITY: '社区',
  GRID: '网格',
  BUILDING_LEADER: '楼长',
  PEACEMAKER: '和事佬',
  VOLUNTEER_TEAM: '志愿服务队',
  SOCIAL_ORG: '社会组织',
};

export const MEDIATION_UNITS = ['GRID', 'BUILDING_LEADER', 'PEACEMAKER'];
export const RESOURCE_UNITS = ['VOLUNTEER_TEAM', 'SOCIAL_ORG'];

export const RATING = { SATISFIED: '满意', BASIC: '基本满意', UNSATISFIED: '不满意' };

export const UNIT_ROLES = ['DEPARTMENT_HANDLER', 'STREET_OFFICER', 'COMMUNITY_WORKER', 'GRID_WORKER'];

export const OPEN_STATES = new Set(['SUBMITTED', 'TRIAGED', 'DISPATCHED', 'ACCEPTED', 'IN_PROGRESS', 'DISPUTED', 'REDISPATCHED', 'ESCALATED', 'DECIDED', 'REOPENED']);

export function place(r) {
  return [r.street?.name, r.community?.name, r.grid?.name, r.building?.name].filter(Boolean).join(' · ') || r.locationNote || '未定位';
}
