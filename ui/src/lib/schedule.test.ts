import { describe, expect, it } from 'vitest';
import { DAY_MINUTES, isScheduleDays, minuteToTime, SCHEDULE_DAYS, timeToMinute } from './schedule';

describe('minuteToTime and timeToMinute', () => {
  it('turn minutes after midnight into HH:MM and back', () => {
    expect(minuteToTime(0)).toBe('00:00');
    expect(minuteToTime(8 * 60 + 5)).toBe('08:05');
    expect(minuteToTime(DAY_MINUTES - 1)).toBe('23:59');
    for (const m of [0, 1, 59, 60, 495, 720, 1439]) expect(timeToMinute(minuteToTime(m))).toBe(m);
  });
  it('reads what a time input gives, seconds included', () => {
    expect(timeToMinute('22:15')).toBe(22 * 60 + 15);
    expect(timeToMinute('7:30')).toBe(7 * 60 + 30);
    expect(timeToMinute('06:45:00')).toBe(6 * 60 + 45);
  });
  it('refuses an incomplete or impossible time, as the core would', () => {
    for (const text of ['', '24:00', '12:60', '12', 'noon', '12:5', '-1:00']) expect(timeToMinute(text), text).toBe('invalid');
  });
  it('never shows a time past 23:59', () => {
    expect(minuteToTime(DAY_MINUTES)).toBe('00:00');
    expect(minuteToTime(-1)).toBe('23:59');
  });
});

describe('SCHEDULE_DAYS', () => {
  it('lists every day choice once, the whole week first', () => {
    expect(SCHEDULE_DAYS.slice(0, 3)).toEqual(['every', 'weekdays', 'weekends']);
    expect(new Set(SCHEDULE_DAYS).size).toBe(10);
    expect(isScheduleDays('sunday')).toBe(true);
    expect(isScheduleDays('Sunday')).toBe(false);
  });
});
