@rules
Feature: Frequency capping across channels
  A weekly cap counts marketing deliveries per person; calendar weeks end on Saturday at 23:59:59 UTC.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And a frequency cap of 2 marketing messages per week on push and SMS
    And a marketing push campaign "Monday deal" for the "Shop" app:
      | title | Monday deal |
      | body  | a           |
    And a marketing push campaign "Tuesday deal" for the "Shop" app:
      | title | Tuesday deal |
      | body  | b            |
    And a marketing push campaign "Wednesday deal" for the "Shop" app:
      | title | Wednesday deal |
      | body  | c              |
    And a transactional push campaign "Receipt" for the "Shop" app:
      | title | Your receipt |
      | body  | Thanks       |

  Scenario: The third marketing message of the week is excluded; transactional ones are not capped
    When the campaign "Monday deal" is sent to Alice
    And the campaign "Tuesday deal" is sent to Alice
    And the campaign "Wednesday deal" is sent to Alice
    Then Alice was excluded from "Wednesday deal" with ExcludedForControlRules 050002
    And Alice sees 2 notifications
    When the campaign "Receipt" is sent to Alice
    Then Alice sees the notification "Your receipt"

  Scenario: The cap resets when the calendar week ends
    When the campaign "Monday deal" is sent to Alice
    And the campaign "Tuesday deal" is sent to Alice
    And it is Sunday 00:00
    And the campaign "Wednesday deal" is sent to Alice
    Then Alice sees the notification "Wednesday deal"
    And the report of "Wednesday deal" shows:
      | excluded | delivered |
      | 0        | 1         |
