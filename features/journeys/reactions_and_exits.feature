@journeys
Feature: Journeys react to what people do, and let them go when they should
  The cart-recovery journey (fixtures/journeys/cart-recovery.yaml) reminds people who abandon a basket by push,
  and nudges those who did not open the reminder within a day.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And the journey "cart-recovery" is published
    And Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push

  Scenario: A reminder that is opened ends the journey without a nudge
    When the event "commerce.cartAbandoned" happens for Alice with:
      | value | 42 |
    Then Alice sees the notification "You left something behind" saying "Your basket of 42 € is waiting"
    And Alice is in the journey "cart-recovery" at step "opened"
    When Alice taps the notification "You left something behind"
    Then Alice finished the journey "cart-recovery"
    And Alice's path in the journey "cart-recovery" is "remind, opened, done"
    When 2 days pass
    Then Alice sees no notification

  Scenario: A reminder that is not opened times out into a nudge
    When the event "commerce.cartAbandoned" happens for Alice with:
      | value | 42 |
    And 23 hours pass
    Then Alice sees 1 notification
    When 1 hour passes
    Then Alice sees the notification "Still thinking?"
    And Alice's path in the journey "cart-recovery" is "remind, opened, nudge, done"

  Scenario: A small basket does not enter the journey
    When the event "commerce.cartAbandoned" happens for Alice with:
      | value | 5 |
    Then Alice never entered the journey "cart-recovery"
    And Alice sees no notification

  Scenario: A purchase while waiting is an exit criterion
    When the event "commerce.cartAbandoned" happens for Alice with:
      | value | 42 |
    And 2 hours pass
    And the event "commerce.purchase" happens for Alice
    Then Alice left the journey "cart-recovery" because "exit criterion"
    When 2 days pass
    Then Alice sees 1 notification

  Scenario: Re-entrance waits for the previous run to end and its wait period to pass
    When the event "commerce.cartAbandoned" happens for Alice with:
      | value | 42 |
    And the event "commerce.cartAbandoned" happens for Alice with:
      | value | 50 |
    Then Alice entered the journey "cart-recovery" once
    When Alice taps the notification "You left something behind"
    And the event "commerce.cartAbandoned" happens for Alice with:
      | value | 60 |
    Then Alice entered the journey "cart-recovery" once
    When 1 day passes
    And the event "commerce.cartAbandoned" happens for Alice with:
      | value | 70 |
    Then Alice entered the journey "cart-recovery" twice
    And Alice sees the notification "You left something behind" saying "Your basket of 70 € is waiting"

  Scenario: Stopping the journey exits everyone in it
    When the event "commerce.cartAbandoned" happens for Alice with:
      | value | 42 |
    And the journey "cart-recovery" is stopped
    Then Alice left the journey "cart-recovery" because "journey stopped"
    And the report of the journey "cart-recovery" shows:
      | entered | active | exited |
      | 1       | 0      | 1      |
