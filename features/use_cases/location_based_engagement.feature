@use_cases @location
Feature: Location-based engagement: a store's geofence and its beacons drive push, SMS, cards and the app itself
  The store-visit journey (fixtures/journeys/store-visit.yaml) starts when the phone reports entering a store's
  geofence: a welcome push, an SMS with the store's offer of the day, a card on the home screen's "nearby" slot and
  a store-aware home hero, all naming the store, until the person walks out. A beacon at the café counter shows an
  in-app message on the phone (a location trigger of the app), and an MMS goes to the audience of the store's
  visitors.
  It proves that a location event from the phone enters a journey (a beacon alone does not), that the content of each
  channel adapts to the place, that leaving the place withdraws what was tied to it, and that consent holds for each
  channel, with the exclusions counted.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And the SMS sender number "+15550100001"
    And the journey "store-visit" is published
    And a code-based experience campaign "Home" for the "Shop" app on "home#hero":
      | content  | {"headline": "Find a store near you"} |
      | priority | 10                                     |
    And an in-app message campaign "Café" for the "Shop" app shown when entering "Café counter":
      | layout | banner                          |
      | title  | Two coffees for one             |
      | body   | Show this at the counter, today |
    And Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And Alice has agreed to marketing SMS
    When the campaign "Home" is sent to Alice
    And the campaign "Café" is sent to Alice
    And Alice opens the "Shop" app

  Scenario: Alice walks into the store: push, local SMS offer, a card and a home screen for this store, gone when she leaves
    When Alice closes the "Shop" app
    Then the "home#hero" experience of Alice's "Shop" app shows "Find a store near you"
    When Alice walks into the geofence "Downtown store"
    Then Alice sees the notification "Welcome to Downtown store" saying "Show this at the till: 10% off today"
    And Alice receives an SMS "Alice, today at Downtown store: two coffees for the price of one at the café."
    And Alice's profile shows:
      | lastStore | Downtown store |
    When Alice taps the notification "Welcome to Downtown store"
    Then the "Shop" app is open on Alice's phone at "shop://store"
    And Alice's "Shop" app shows the content card "Today at Downtown store" on "home#nearby"
    And the "home#hero" experience of Alice's "Shop" app shows "Welcome to Downtown store"
    When Alice walks into the beacon zone "Café counter"
    Then Alice sees the banner in-app message "Two coffees for one"
    And Alice entered the journey "store-visit" once
    When Alice closes the in-app message
    And 2 hours pass
    And Alice walks out of the geofence "Downtown store"
    Then Alice left the journey "store-visit" because "exit criterion"
    And Alice's "Shop" app shows no content cards on "home#nearby"
    And the "home#hero" experience of Alice's "Shop" app shows "Find a store near you"
    And Alice's path in the journey "store-visit" is "remember, welcome, local_offer, nearby_card, store_hero, visit"
    And the funnel of the step "welcome" of the journey "store-visit" is:
      | sent | delivered | opened |
      | 1    | 1         | 1      |
    And the in-app report of "Café" shows:
      | displayed | dismissed |
      | 1         | 1         |

  Scenario: A beacon alone enters no journey; a second visit the same day is not a second welcome
    When Alice walks into the beacon zone "Café counter"
    Then Alice never entered the journey "store-visit"
    And Alice sees no notification
    When Alice walks into the geofence "Uptown store"
    And 1 hour passes
    And Alice walks out of the geofence "Uptown store"
    And 2 hours pass
    And Alice walks into the geofence "Uptown store"
    Then Alice entered the journey "store-visit" once
    And Alice sees 1 notification
    When 1 day passes
    And Alice walks into the geofence "Uptown store"
    Then Alice entered the journey "store-visit" twice
    And Alice sees 2 notifications

  Scenario: Each channel keeps to its consent, and an MMS goes to the store's visitors
    Given Bob has an Android phone with the "Shop" app
    And Bob has refused marketing push
    And Bob has agreed to marketing SMS
    And Carol has an Android phone with the "Shop" app
    And Carol has agreed to marketing push
    And Carol has refused marketing SMS
    And Dan has an iPhone with the "Shop" app
    And Dan has agreed to marketing SMS
    And the audience "downtown-visitors" of people where "profile.lastStore is defined and profile.lastStore == 'Downtown store'"
    And a marketing MMS campaign "Downtown weekend":
      | body  | This weekend at Downtown store: live music and tastings |
      | image | downtown.jpg                                            |
    When Bob walks into the geofence "Downtown store"
    And Carol walks into the geofence "Downtown store"
    Then Bob sees no notification
    And Bob was excluded at the step "welcome" of the journey "store-visit" with PushNoConsent 050111
    And Bob receives an SMS "Bob, today at Downtown store"
    And Carol sees the notification "Welcome to Downtown store"
    And Carol receives no SMS
    And Carol was excluded at the step "local_offer" of the journey "store-visit" with SMSNoConsent 050104
    When the campaign "Downtown weekend" is sent to the audience "downtown-visitors"
    Then Bob receives an MMS "This weekend at Downtown store: live music and tastings"
    And Dan receives no SMS
    And Carol was excluded from "Downtown weekend" with SMSNoConsent 050104
    And the report of "Downtown weekend" shows:
      | targeted | excluded | sent | delivered |
      | 2        | 1        | 1    | 1         |
    And the funnel of the journey "store-visit" is:
      | targeted | excluded | sent | delivered |
      | 8        | 2        | 6    | 6         |
    And the report of the journey "store-visit" reconciles
